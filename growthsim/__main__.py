import sys

from growthsim.cli import main

sys.exit(main())
