"""One module per layer: what it holds, its cache key, and how it is (re)built."""
