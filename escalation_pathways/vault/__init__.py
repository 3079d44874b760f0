"""The PID vault: personal identifiable data of platform users, validated, sealed, and kept in its own database."""
