import sys

from app.cli import main

# Guarded: a process started with multiprocessing's "spawn" (the API's recompute process)
# imports this module as `__mp_main__` and must not run the command line again.
if __name__ == "__main__":
    sys.exit(main())
