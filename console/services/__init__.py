"""The moderated peer-support services of the trust."""
