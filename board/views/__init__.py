"""Views of the tumour board, one module per part; board/urls.py joins their routes."""
