"""Bandstand application code. Chalice packages this folder together with app.py."""
