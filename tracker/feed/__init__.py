"""Atom feeds: one per therapy and one for all, so a feed reader can follow a therapy.

    atom.py    build_feeds: new papers with their level, evidence events and notices as entries
               with stable ids; write_feeds puts them in a folder
"""

from tracker.feed.atom import FeedEntry, build_feeds, feed_entries, write_feeds

__all__ = ["FeedEntry", "build_feeds", "feed_entries", "write_feeds"]
