"""The `p88` command's groups, one module each (p88.cli assembles them); what they share is in
p88.commands.common."""
