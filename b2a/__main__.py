from b2a.cli import main

main()
