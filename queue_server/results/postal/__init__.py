"""Results returned by public post (Bưu chính công ích): requests, the daily handover list, handover."""
