"""Tumour board pages: audit (being built)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
