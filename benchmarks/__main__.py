"""``python -m benchmarks [--full | --scale] [--out PATH]``: run the suite, print a table, write JSON."""
import argparse
import sys

from benchmarks.run import main

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--full", action="store_true",
                      help="docs/design.md §8 sizes (10,000 satellites for a day, the whole Starlink "
                           "catalogue): minutes rather than under one")
    mode.add_argument("--scale", action="store_true",
                      help="issue 25's figures against their goals, the million-satellite day included "
                           "(benchmarks/scale.py): hours")
    parser.add_argument("--only", nargs="+", metavar="PART",
                        help="with --scale: only these parts (compile kernel floor e2e starlink memory queue million)")
    parser.add_argument("--million-hours", type=float, default=24.0,
                        help="with --scale: simulated hours of the million-satellite sweep (default 24)")
    parser.add_argument("--out", default=None, help="results JSON (default benchmarks/out/results.json, "
                                                    "with --scale benchmarks/out/scale.json)")
    args = parser.parse_args()
    if args.scale:
        from benchmarks import scale

        parts = tuple(args.only) if args.only else scale.PARTS
        unknown = [p for p in parts if p not in scale.PARTS]
        if unknown:
            parser.error(f"--only: unknown part {unknown[0]!r}; choose from {' '.join(scale.PARTS)}")
        if args.million_hours <= 0:
            parser.error("--million-hours: must be positive")
        sys.exit(scale.main(parts, args.million_hours, args.out))
    if args.only:
        parser.error("--only goes with --scale")
    sys.exit(main(quick=not args.full, out_path=args.out))
