"""`python -m backcare` runs the command line."""
import sys

from backcare.cli import main

sys.exit(main())
