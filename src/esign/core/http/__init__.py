"""HTTP: the session every provider uses (client), how it reaches the network (proxies, TLS trust),
and presigned file URLs.
"""
