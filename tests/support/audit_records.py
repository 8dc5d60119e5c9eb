"""Two records on the real schema whose audit figures are worked out by hand in test_audit_engine.py."""

MANDATORY = ["identifier", "title", "description", "publisher", "creator", "contactPoint.contactName",
             "contactPoint.email", "accessRights", "securityClassification", "licence", "modified", "version",
             "updateFrequency"]
MINIMAL = {"identifier": "min-1", "title": "Minimal record", "description": "Only the mandatory fields are given.",
           "publisher": "department-for-education", "creator": ["department-for-education"],
           "contactPoint": {"contactName": "Team", "email": "team@example.org"}, "accessRights": "OPEN",
           "securityClassification": "OFFICIAL",
           "licence": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
           "modified": "2020-01-01", "version": "1", "updateFrequency": "freq:annual"}
PARTIAL = {**MINIMAL, "identifier": "part-1", "publisher": "home-office", "creator": ["home-office"],
           "summary": "A short summary.", "keyword": ["pupils"], "supportInbox": "help@example.org",
           "informationAssetOwner": {"role": "Director of Data", "email": "iao@example.org"},
           "coverage": {"temporalStart": "2010-01-01", "nations": ["England"]},
           "access": {"routes": [{"type": "tre", "name": "ONS Secure Research Service"}]},
           "variables": [{"name": "NHS_NO", "description": "NHS number", "dataType": "string",
                          "linkageRole": "nhs-number", "collectionMethod": "From the PDS."},
                         {"name": "AGE", "description": "Age in years"}],
           "distribution": [{"title": "Extract", "accessURL": "https://example.org/a", "mediaType": "text/csv",
                             "byteSize": 100},
                            {"title": "Service", "accessURL": "https://example.org/b"}],
           "modified": "2024-06-01", "updateFrequency": "freq:monthly"}
