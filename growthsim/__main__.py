import sys

from growthsim import main

# The guard matters: worker processes are started with "spawn", which imports this
# module again in each worker; without it every worker would run the command too.
if __name__ == "__main__":
    sys.exit(main())
