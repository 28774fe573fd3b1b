"""The call-list import report's reasons in Chinese and English: ``rr_<code>`` for each
code of ``dialer.lists.reasons`` (with its parameters in braces), ``fl_<field>`` for the
customer fields they name, ``pk_<kind>`` for numbers that are no personal line. The
suppression lists' names are the operator's ``k_<kind>``."""

from __future__ import annotations

from collections.abc import Mapping

ZH: dict[str, str] = {
    "reason_code": "原因代码",
    "list_sep": "、",
    "rr_empty_row": "空行",
    "rr_broken_row": "行不完整：{cells} 列，表头有 {expected} 列",
    "rr_phone_empty": "手机号为空",
    "rr_phone_symbols": "手机号含字母或符号，不是电话号码",
    "rr_phone_unparseable": "手机号无法识别（{detail}）",
    "rr_phone_unknown_country": "手机号的国家代码不存在",
    "rr_phone_too_short": "手机号位数太少",
    "rr_phone_too_long": "手机号位数太多",
    "rr_phone_bad_length": "手机号位数不对",
    "rr_phone_impossible": "手机号不可能存在",
    "rr_phone_needs_area_code": "号码太短（固话需要区号）",
    "rr_phone_no_such_range": "号码无效（没有这个号段）",
    "rr_phone_not_personal": "不是个人号码：{kind}",
    "rr_not_whole_number": "{field}不是整数：{value}",
    "rr_negative": "{field}不能为负数：{value}",
    "rr_not_star_level": "星级无法识别（应为 0-10）：{value}",
    "rr_star_out_of_range": "星级超出 0-10：{value}",
    "rr_band_too_long": "资产区间名称超过 32 个字",
    "rr_not_amount": "资产不是金额：{value}",
    "rr_unknown_timezone": "时区无法识别（应为 IANA 时区，如 Asia/Shanghai）：{value}",
    "rr_too_long": "{field}超过 64 个字符",
    "rr_suppressed": "在{kind}名单中",
    "rr_duplicate_of": "与第 {line} 行重复，已合并",
    "rr_existing_customer": "已有客户",
    "rr_existing_customer_updated": "已有客户，更新了{fields}",
    "fl_phone": "手机号",
    "fl_name": "姓名",
    "fl_external_id": "客户号",
    "fl_aum": "资产",
    "fl_aum_band": "资产区间",
    "fl_star_level": "星级",
    "fl_branch": "网点",
    "fl_tags": "标签",
    "fl_points": "积分",
    "fl_timezone": "时区",
    "fl_attributes": "其他属性",
    "pk_premium_rate": "付费号码",
    "pk_toll_free": "免费电话",
    "pk_shared_cost": "分摊费用号码",
    "pk_switchboard": "单位总机",
    "pk_pager": "寻呼号码",
}

EN: dict[str, str] = {
    "reason_code": "Reason code",
    "list_sep": ", ",
    "rr_empty_row": "Empty row",
    "rr_broken_row": "Broken row: {cells} cells, the header has {expected}",
    "rr_phone_empty": "No phone number",
    "rr_phone_symbols": "The phone contains letters or symbols",
    "rr_phone_unparseable": "The phone cannot be read ({detail})",
    "rr_phone_unknown_country": "The phone's country code does not exist",
    "rr_phone_too_short": "The phone is too short",
    "rr_phone_too_long": "The phone is too long",
    "rr_phone_bad_length": "The phone has an impossible length",
    "rr_phone_impossible": "The phone number cannot exist",
    "rr_phone_needs_area_code": "Too short (a landline needs its area code)",
    "rr_phone_no_such_range": "Invalid number (no such number range)",
    "rr_phone_not_personal": "Not a personal line: {kind}",
    "rr_not_whole_number": "{field} is not a whole number: {value}",
    "rr_negative": "{field} cannot be negative: {value}",
    "rr_not_star_level": "Not a star level (0-10): {value}",
    "rr_star_out_of_range": "Star level out of range 0-10: {value}",
    "rr_band_too_long": "AUM band label longer than 32 characters",
    "rr_not_amount": "AUM is not an amount: {value}",
    "rr_unknown_timezone": "Not an IANA time zone (such as Asia/Shanghai): {value}",
    "rr_too_long": "{field} is longer than 64 characters",
    "rr_suppressed": "On the {kind} list",
    "rr_duplicate_of": "Duplicate of line {line}, merged",
    "rr_existing_customer": "Existing customer",
    "rr_existing_customer_updated": "Existing customer, updated {fields}",
    "fl_phone": "Phone",
    "fl_name": "Name",
    "fl_external_id": "Customer no.",
    "fl_aum": "AUM",
    "fl_aum_band": "AUM band",
    "fl_star_level": "Star level",
    "fl_branch": "Branch",
    "fl_tags": "Tags",
    "fl_points": "Points",
    "fl_timezone": "Time zone",
    "fl_attributes": "Other attributes",
    "pk_premium_rate": "premium-rate number",
    "pk_toll_free": "toll-free number",
    "pk_shared_cost": "shared-cost number",
    "pk_switchboard": "company switchboard",
    "pk_pager": "pager",
}


def row_message(t: Mapping[str, str], code: str, params: Mapping[str, str], english: str) -> str:
    """A report row's reason in the language of ``t``; the stored English message when
    the code is unknown (a report written before codes)."""
    key = f"rr_{code}" + (
        "_updated" if code == "existing_customer" and params.get("fields") else ""
    )
    template = t.get(key)
    if template is None:
        return english
    words = dict(params)
    if "field" in words:
        words["field"] = t.get(f"fl_{words['field']}", words["field"])
    if "fields" in words:
        words["fields"] = t.get("list_sep", ", ").join(
            t.get(f"fl_{f}", f) for f in words["fields"].split(", ")
        )
    if "kind" in words:
        k = words["kind"]
        words["kind"] = t.get(f"pk_{k}") or t.get(f"k_{k}") or k
    words.setdefault("value", "")
    try:
        return template.format_map(words).rstrip("：: ")
    except (KeyError, IndexError, ValueError):
        return english
