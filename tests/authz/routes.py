"""Every URL pattern the project registers, by a stable key: its name
(namespaced), or its pattern when Django registers it without a name."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class RegisteredRoute:
    key: str
    pattern: str


def registered_routes() -> list[RegisteredRoute]:
    found: list[RegisteredRoute] = []

    def walk(patterns: list, prefix: str, namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = entry.namespace
                joined = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
                walk(entry.url_patterns, prefix + str(entry.pattern), joined)
            elif isinstance(entry, URLPattern):
                pattern = prefix + str(entry.pattern)
                if entry.name:
                    key = f"{namespace}:{entry.name}" if namespace else entry.name
                else:
                    key = pattern
                found.append(RegisteredRoute(key=key, pattern=pattern))

    walk(get_resolver().url_patterns, "/", None)
    return found
