"""Publishing: accounts, drafts and uploads, and the publish workflows."""
