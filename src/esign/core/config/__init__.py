"""Settings and where they come from: the shared flags, config.toml, the environment, credentials
and their limits.
"""
