"""``python -m benchmarks [--full] [--out PATH]``: run the suite, print a table, write JSON."""
import argparse
import sys

from benchmarks.run import main

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--full", action="store_true",
                        help="docs/design.md §8 sizes (10,000 satellites for a day, the whole Starlink "
                             "catalogue): minutes rather than under one")
    parser.add_argument("--out", default=None, help="results JSON (default benchmarks/out/results.json)")
    args = parser.parse_args()
    sys.exit(main(quick=not args.full, out_path=args.out))
