"""`python -m benchmarks`: every benchmark, one table each."""

from benchmarks import engine

if __name__ == "__main__":
    engine.main()
