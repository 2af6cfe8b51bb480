"""The embedded sandbox: a local emulator of the providers' APIs (`esign sandbox ...`).

A separate program that happens to ship in the same package: nothing here imports the client.
"""
