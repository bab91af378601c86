"""The network: the HTTP session (cache, limiter, retries, breaker), state shared by replicas, exchange rates."""
