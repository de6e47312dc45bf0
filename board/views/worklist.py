"""Tumour board pages: worklist (being built)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
