from analyzer.cli.commands import main

raise SystemExit(main())
