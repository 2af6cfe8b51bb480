"""Files on disk: local documents to send, streamed atomic downloads, temporary files, names."""
