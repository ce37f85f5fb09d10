"""Developer tools, not installed with the package: screenshots, the browser and kiosk drivers."""
