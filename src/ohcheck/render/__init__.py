"""Rendering results: terminal (rich or plain), JSON, JUnit XML."""
