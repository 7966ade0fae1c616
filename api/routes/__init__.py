"""One module per resource, each exporting ``router``; ``api.main.ROUTERS`` lists them."""
