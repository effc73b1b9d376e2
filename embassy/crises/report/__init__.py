"""The final report of a crisis: its data (data.py), PDF (pdf.py), pages (views.py, urls.py)."""
