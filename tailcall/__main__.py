from tailcall.cli import main

main()
