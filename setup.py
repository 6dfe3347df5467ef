"""Packages come from desktop_app/; the top-level resources/ folder installs as desktop_app.resources."""
from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["desktop_app", "desktop_app.*"]) + ["desktop_app.resources"],
    package_dir={"desktop_app.resources": "resources"},
    package_data={"desktop_app.resources": ["**/*"]},
    include_package_data=True,
)
