"""Reference text shared by `esign help TOPIC` and the generated man pages (one source)."""
