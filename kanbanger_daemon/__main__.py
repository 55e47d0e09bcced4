from kanbanger_daemon.cli import main

raise SystemExit(main())
