import sys

from vsr_app.cli import main

sys.exit(main())
