"""Plots the heat analysis: the first and last field, and every per-step column of report.csv
(temperatures, and model outputs once the analysis runs models)."""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_grid(path):
    with open(path) as f:
        return [[float(v) for v in row] for row in csv.reader(f)]


def main(report, first, last, out):
    with open(report) as f:
        rows = list(csv.DictReader(f))
    steps = [int(r["step"]) for r in rows]
    fig, ax = plt.subplots(1, 3, figsize=(14, 4))
    a, b = read_grid(first), read_grid(last)
    vmax = max(max(r) for r in a)
    ax[0].imshow(a, origin="lower", cmap="inferno", vmin=0, vmax=vmax)
    ax[0].set_title(f"field, step {steps[0]}")
    im = ax[1].imshow(b, origin="lower", cmap="inferno", vmin=0, vmax=vmax)
    ax[1].set_title(f"field, step {steps[-1]}")
    fig.colorbar(im, ax=ax[1])
    for col in rows[0].keys():
        if col != "step":
            ax[2].plot(steps, [float(r[col]) for r in rows], label=col)
    ax[2].set_xlabel("step")
    ax[2].set_title("per-step analysis")
    ax[2].legend()
    fig.tight_layout()
    fig.savefig(out, dpi=90)


if __name__ == "__main__":
    main(*sys.argv[1:5])
