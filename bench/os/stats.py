"""Restart latency from a crash log: S(k+1) - E(k), median and p99 (nearest rank), in ms."""
import sys

def latencies(path):
    lines = [l.split() for l in open(path) if l.strip()]
    out, last_end = [], None
    for kind, _, t in lines:
        t = int(t)
        if kind == "E":
            last_end = t
        elif kind == "S" and last_end is not None:
            out.append((t - last_end) / 1e6)
            last_end = None
    return out

def summary(xs):
    xs = sorted(xs)
    n = len(xs)
    if n == 0:
        return "n=0"
    med = (xs[(n - 1) // 2] + xs[n // 2]) / 2
    p99 = xs[max(0, -(-99 * n // 100) - 1)]
    return f"{n}\t{med:.2f}\t{p99:.2f}"

if __name__ == "__main__":
    print(summary(latencies(sys.argv[1])))
