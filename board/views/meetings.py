"""Tumour board pages: meetings (being built)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
