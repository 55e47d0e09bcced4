"""The SPEC of a charity shop's till, whose sections the enrichment tests read."""

from __future__ import annotations

from kanbanger_daemon.core.specs.parse import parse_spec
from kanbanger_daemon.models.spec import Spec

SPEC_MD = """\
# Spec: Shop till

## Goal
Build a till for the charity shop.

## Software Stack & Architecture

### Deployment Type
- [x] Desktop Application

### Technology Stack
- **Language:** Python
- **UI Library:** [PyQt/Tkinter/etc.]
- **Database:** SQLite

### Deployment Requirements
- **Target environment:** Windows 10+

## Definition of Complete
- [ ] **Primary deliverables:**
  - Till prints receipts
  - Daily totals exported to CSV
- [x] Volunteers can use it without training

### Verification Method
1. Ring up ten sales and compare the totals

## Components
- Receipt printer driver
- Sales database

```markdown
## Verification
- this is an example inside a fence, not a criterion
```

## Task [1]: Sales screen
### Step [1]: Draw the screen

## Task [2]: Receipts
### Step [1]: Print
"""


def spec() -> Spec:
    parsed = parse_spec(SPEC_MD, file="spec_till.md")
    assert [t.id for t in parsed.tasks] == ["1", "2"]
    return parsed
