from esign.cli.main import main

raise SystemExit(main())
