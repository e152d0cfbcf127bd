"""What a change does to the policies of a repository: each changed policy in its two versions."""
