"""The home page and the services and staff each person may see."""
