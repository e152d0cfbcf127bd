"""Policy documents: the parsed model and how files become one."""
