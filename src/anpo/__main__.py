from anpo.cli import main

main()
