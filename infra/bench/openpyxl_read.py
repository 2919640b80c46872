#!/usr/bin/env python3
"""Baseline for the import benchmark: openpyxl (read-only mode) iterating every row.

Usage: openpyxl_read.py FILE [RUNS]
Prints the median wall time in seconds over RUNS runs (default 3) on stdout, nothing else.
Exits with status 3 if openpyxl is not importable (the benchmark then skips the comparison).
"""
import statistics
import sys
import time

try:
    import openpyxl
except ImportError:
    print("openpyxl is not installed (pip install openpyxl)", file=sys.stderr)
    sys.exit(3)


def read_all(path):
    """Open, walk every cell value of every row of the first sheet, close: what an import does."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb["参保人员"] if "参保人员" in wb.sheetnames else wb.worksheets[0]
        rows = 0
        cells = 0
        for row in ws.iter_rows(values_only=True):
            rows += 1
            cells += sum(1 for v in row if v is not None)
        return rows, cells
    finally:
        wb.close()


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    path = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        rows, cells = read_all(path)
        times.append(time.perf_counter() - start)
    print(f"openpyxl {openpyxl.__version__}: {rows} rows, {cells} cells", file=sys.stderr)
    print(f"{statistics.median(times):.4f}")


if __name__ == "__main__":
    main()
