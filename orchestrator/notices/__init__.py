"""Every document an issued alert sends: its contexts, composition, rendering and storage."""
