"""Tumour board pages: pdfs (being built)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
