"""Gettext catalogs (``<lang>/LC_MESSAGES/lotse.po``), the template and the glossary."""
