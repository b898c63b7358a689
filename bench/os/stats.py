"""From a crash log: the restarts, restart latency S(k+1) - E(k) as median and p99 (nearest rank), the first
restart's latency, and the time from launch (L, when stamp ran the supervisor) to the first start, all in ms."""
import sys

def read(path):
    launch, first_start, out, last_end = None, None, [], None
    for kind, _, t in (l.split() for l in open(path) if l.strip()):
        t = int(t)
        if kind == "L":
            launch = t
        elif kind == "E":
            last_end = t
        elif kind == "S":
            if first_start is None:
                first_start = t
            if last_end is not None:
                out.append((t - last_end) / 1e6)
                last_end = None
    spawn = (first_start - launch) / 1e6 if launch is not None and first_start is not None else None
    return out, spawn

def summary(xs, spawn):
    n = len(xs)
    if n == 0:
        return "n=0"
    s = sorted(xs)
    med = (s[(n - 1) // 2] + s[n // 2]) / 2
    p99 = s[max(0, -(-99 * n // 100) - 1)]
    first = f"{xs[0]:.2f}"
    return f"{n}\t{med:.2f}\t{p99:.2f}\t{first}\t{'-' if spawn is None else f'{spawn:.1f}'}"

if __name__ == "__main__":
    print(summary(*read(sys.argv[1])))
