"""Tumour board pages: cases (being built)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
