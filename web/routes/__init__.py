"""One router per page family: portfolio, project, deadlines, region, exports, health."""
