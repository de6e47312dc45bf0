"""Tumour board pages: adherence (being built)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
