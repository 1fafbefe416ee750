"""Proxmox's declarations of the /cluster endpoints, as apidata.json has them.

Generated with ``tools/extract_schema.py`` (one entry per method); edit
only to follow upstream.  :func:`pve.api.tree.declare` registers a handler
under one of these.
"""

# flake8: noqa: E501

DECLS = {
    ('/cluster', 'GET'): {'name': 'index',
     'description': 'Cluster index.',
     'permissions': {'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'items': {'properties': {}, 'type': 'object'},
                 'links': [{'href': '{name}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/cluster/status', 'GET'): {'name': 'get_status',
     'description': 'Get cluster status information.',
     'permissions': {'check': ['perm', '/', ['Sys.Audit']]},
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'items': {'properties': {'id': {'type': 'string'},
                                          'ip': {'description': '[node] IP of the resolved '
                                                                'nodename.',
                                                 'optional': 1,
                                                 'type': 'string'},
                                          'level': {'description': '[node] Proxmox VE Subscription '
                                                                   'level, indicates if eligible '
                                                                   'for enterprise support as well '
                                                                   'as access to the stable '
                                                                   'Proxmox VE Enterprise '
                                                                   'Repository.',
                                                    'optional': 1,
                                                    'type': 'string'},
                                          'local': {'description': '[node] Indicates if this is '
                                                                   'the responding node.',
                                                    'optional': 1,
                                                    'type': 'boolean'},
                                          'name': {'type': 'string'},
                                          'nodeid': {'description': '[node] ID of the node from '
                                                                    'the corosync configuration.',
                                                     'optional': 1,
                                                     'type': 'integer'},
                                          'nodes': {'description': '[cluster] Nodes count, '
                                                                   'including offline nodes.',
                                                    'optional': 1,
                                                    'type': 'integer'},
                                          'online': {'description': '[node] Indicates if the node '
                                                                    'is online or offline.',
                                                     'optional': 1,
                                                     'type': 'boolean'},
                                          'quorate': {'description': '[cluster] Indicates if there '
                                                                     'is a majority of nodes '
                                                                     'online to make decisions',
                                                      'optional': 1,
                                                      'type': 'boolean'},
                                          'type': {'description': 'Indicates the type, either '
                                                                  'cluster or node. The type '
                                                                  'defines the object properties '
                                                                  'e.g. quorate available for type '
                                                                  'cluster.',
                                                   'enum': ['cluster', 'node'],
                                                   'type': 'string'},
                                          'version': {'description': '[cluster] Current version of '
                                                                     'the corosync configuration '
                                                                     'file.',
                                                      'optional': 1,
                                                      'type': 'integer'}},
                           'type': 'object'},
                 'type': 'array'}},
    ('/cluster/resources', 'GET'): {'name': 'resources',
     'description': 'Resources index (cluster wide).',
     'permissions': {'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'type': {'description': 'Resource type.',
                                            'enum': ['vm', 'storage', 'node', 'sdn'],
                                            'optional': 1,
                                            'type': 'string'}}},
     'returns': {'items': {'properties': {'cgroup-mode': {'description': 'The cgroup mode the node '
                                                                         'operates under (for type '
                                                                         "'node').",
                                                          'optional': 1,
                                                          'type': 'integer'},
                                          'content': {'description': 'Allowed storage content '
                                                                     "types (for type 'storage').",
                                                      'format': 'pve-storage-content-list',
                                                      'optional': 1,
                                                      'type': 'string'},
                                          'cpu': {'description': 'CPU utilization (for types '
                                                                 "'node', 'qemu' and 'lxc').",
                                                  'minimum': 0,
                                                  'optional': 1,
                                                  'renderer': 'fraction_as_percentage',
                                                  'type': 'number'},
                                          'disk': {'description': 'Used disk space in bytes (for '
                                                                  "type 'storage'), used root "
                                                                  'image space for VMs (for types '
                                                                  "'qemu' and 'lxc').",
                                                   'minimum': 0,
                                                   'optional': 1,
                                                   'renderer': 'bytes',
                                                   'type': 'integer'},
                                          'diskread': {'description': 'The number of bytes the '
                                                                      'guest read from its block '
                                                                      'devices since the guest was '
                                                                      'started. This info is not '
                                                                      'available for all storage '
                                                                      "types. (for types 'qemu' "
                                                                      "and 'lxc')",
                                                       'optional': 1,
                                                       'renderer': 'bytes',
                                                       'type': 'integer'},
                                          'diskwrite': {'description': 'The number of bytes the '
                                                                       'guest wrote to its block '
                                                                       'devices since the guest '
                                                                       'was started. This info is '
                                                                       'not available for all '
                                                                       'storage types. (for types '
                                                                       "'qemu' and 'lxc')",
                                                        'optional': 1,
                                                        'renderer': 'bytes',
                                                        'type': 'integer'},
                                          'hastate': {'description': 'HA service status (for HA '
                                                                     'managed VMs).',
                                                      'optional': 1,
                                                      'type': 'string'},
                                          'id': {'description': 'Resource id.', 'type': 'string'},
                                          'level': {'description': 'Support level (for type '
                                                                   "'node').",
                                                    'optional': 1,
                                                    'type': 'string'},
                                          'lock': {'description': "The guest's current config lock "
                                                                  "(for types 'qemu' and 'lxc')",
                                                   'optional': 1,
                                                   'type': 'string'},
                                          'maxcpu': {'description': 'Number of available CPUs (for '
                                                                    "types 'node', 'qemu' and "
                                                                    "'lxc').",
                                                     'minimum': 0,
                                                     'optional': 1,
                                                     'type': 'number'},
                                          'maxdisk': {'description': 'Storage size in bytes (for '
                                                                     "type 'storage'), root image "
                                                                     'size for VMs (for types '
                                                                     "'qemu' and 'lxc').",
                                                      'minimum': 0,
                                                      'optional': 1,
                                                      'renderer': 'bytes',
                                                      'type': 'integer'},
                                          'maxmem': {'description': 'Number of available memory in '
                                                                    "bytes (for types 'node', "
                                                                    "'qemu' and 'lxc').",
                                                     'optional': 1,
                                                     'renderer': 'bytes',
                                                     'type': 'integer'},
                                          'mem': {'description': 'Used memory in bytes (for types '
                                                                 "'node', 'qemu' and 'lxc').",
                                                  'minimum': 0,
                                                  'optional': 1,
                                                  'renderer': 'bytes',
                                                  'type': 'integer'},
                                          'memhost': {'description': 'Used memory in bytes from '
                                                                     'the point of view of the '
                                                                     "host (for types 'qemu').",
                                                      'minimum': 0,
                                                      'optional': 1,
                                                      'renderer': 'bytes',
                                                      'type': 'integer'},
                                          'name': {'description': 'Name of the resource.',
                                                   'optional': 1,
                                                   'type': 'string'},
                                          'netin': {'description': 'The amount of traffic in bytes '
                                                                   'that was sent to the guest '
                                                                   'over the network since it was '
                                                                   "started. (for types 'qemu' and "
                                                                   "'lxc')",
                                                    'optional': 1,
                                                    'renderer': 'bytes',
                                                    'type': 'integer'},
                                          'netout': {'description': 'The amount of traffic in '
                                                                    'bytes that was sent from the '
                                                                    'guest over the network since '
                                                                    'it was started. (for types '
                                                                    "'qemu' and 'lxc')",
                                                     'optional': 1,
                                                     'renderer': 'bytes',
                                                     'type': 'integer'},
                                          'network': {'description': 'The name of a Network entity '
                                                                     "(for type 'network').",
                                                      'optional': 1,
                                                      'type': 'string'},
                                          'network-type': {'description': 'The type of network '
                                                                          'resource (for type '
                                                                          "'network').",
                                                           'enum': ['fabric', 'zone'],
                                                           'optional': 1,
                                                           'type': 'string'},
                                          'node': {'description': 'The cluster node name (for '
                                                                  "types 'node', 'storage', "
                                                                  "'qemu', and 'lxc').",
                                                   'format': 'pve-node',
                                                   'optional': 1,
                                                   'type': 'string'},
                                          'plugintype': {'description': 'More specific type, if '
                                                                        'available.',
                                                         'optional': 1,
                                                         'type': 'string'},
                                          'pool': {'description': 'The pool name (for types '
                                                                  "'pool', 'qemu' and 'lxc').",
                                                   'optional': 1,
                                                   'type': 'string'},
                                          'protocol': {'description': 'The protocol of a fabric '
                                                                      "(for type 'network', "
                                                                      "network-type 'fabric').",
                                                       'optional': 1,
                                                       'type': 'string'},
                                          'sdn': {'description': 'The name of an SDN entity (for '
                                                                 "type 'sdn')",
                                                  'optional': 1,
                                                  'type': 'string'},
                                          'shared': {'description': 'Determines whether the '
                                                                    'storage is shared',
                                                     'optional': 1,
                                                     'type': 'boolean'},
                                          'status': {'description': 'Resource type dependent '
                                                                    'status.',
                                                     'optional': 1,
                                                     'type': 'string'},
                                          'storage': {'description': 'The storage identifier (for '
                                                                     "type 'storage').",
                                                      'format': 'pve-storage-id',
                                                      'format_description': 'storage ID',
                                                      'optional': 1,
                                                      'type': 'string'},
                                          'tags': {'description': "The guest's tags (for types "
                                                                  "'qemu' and 'lxc')",
                                                   'optional': 1,
                                                   'type': 'string'},
                                          'template': {'default': 0,
                                                       'description': 'Determines if the guest is '
                                                                      'a template. (for types '
                                                                      "'qemu' and 'lxc')",
                                                       'optional': 1,
                                                       'type': 'boolean'},
                                          'type': {'description': 'Resource type.',
                                                   'enum': ['node',
                                                            'storage',
                                                            'pool',
                                                            'qemu',
                                                            'lxc',
                                                            'openvz',
                                                            'sdn',
                                                            'network'],
                                                   'type': 'string'},
                                          'uptime': {'description': 'Uptime of node or virtual '
                                                                    'guest in seconds (for types '
                                                                    "'node', 'qemu' and 'lxc').",
                                                     'optional': 1,
                                                     'renderer': 'duration',
                                                     'type': 'integer'},
                                          'vmid': {'description': 'The numerical vmid (for types '
                                                                  "'qemu' and 'lxc').",
                                                   'format': 'pve-vmid',
                                                   'maximum': 999999999,
                                                   'minimum': 100,
                                                   'optional': 1,
                                                   'type': 'integer'},
                                          'zone-type': {'description': 'The type of an SDN zone '
                                                                       "(for type 'sdn').",
                                                        'optional': 1,
                                                        'type': 'string'}},
                           'type': 'object'},
                 'type': 'array'}},
    ('/cluster/nextid', 'GET'): {'name': 'nextid',
     'description': 'Get next free VMID. Pass a VMID to assert that its free (at time of check).',
     'permissions': {'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'vmid': {'description': 'The (unique) ID of the VM.',
                                            'format': 'pve-vmid',
                                            'maximum': 999999999,
                                            'minimum': 100,
                                            'optional': 1,
                                            'type': 'integer'}}},
     'returns': {'description': 'The next free VMID.', 'type': 'integer'}},
    ('/cluster/log', 'GET'): {'name': 'log',
     'description': 'Read cluster log',
     'permissions': {'description': "The user needs 'Sys.Syslog' on '/' in order to get all logs.",
                     'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'max': {'description': 'Maximum number of entries.',
                                           'minimum': 1,
                                           'optional': 1,
                                           'type': 'integer'}}},
     'returns': {'items': {'properties': {}, 'type': 'object'}, 'type': 'array'}},
    ('/cluster/tasks', 'GET'): {'name': 'tasks',
     'description': 'List recent tasks (cluster wide).',
     'permissions': {'user': 'all'},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'items': {'properties': {'upid': {'type': 'string'}}, 'type': 'object'},
                 'type': 'array'}},
    ('/cluster/config', 'GET'): {'name': 'index',
     'description': 'Directory index.',
     'permissions': {'check': ['perm', '/', ['Sys.Audit']]},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'items': {'properties': {}, 'type': 'object'},
                 'links': [{'href': '{name}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/cluster/config', 'POST'): {'name': 'create',
     'description': 'Generate new cluster configuration. If no links given, default to local IP '
                    'address as link0.',
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'clustername': {'description': 'The name of the cluster.',
                                                   'format': 'pve-node',
                                                   'maxLength': 15,
                                                   'type': 'string'},
                                   'link[n]': {'description': 'Address and priority information '
                                                              'of a single corosync link. (up to '
                                                              '8 links supported; link0..link7)',
                                               'format': {'address': {'default_key': 1,
                                                                      'description': 'Hostname '
                                                                                     '(or IP) of '
                                                                                     'this '
                                                                                     'corosync '
                                                                                     'link '
                                                                                     'address.',
                                                                      'format': 'address',
                                                                      'format_description': 'IP',
                                                                      'type': 'string'},
                                                          'priority': {'default': 0,
                                                                       'description': 'The '
                                                                                      'priority '
                                                                                      'for the '
                                                                                      'link when '
                                                                                      'knet is '
                                                                                      'used in '
                                                                                      "'passive' "
                                                                                      'mode '
                                                                                      '(default). '
                                                                                      'Lower '
                                                                                      'value '
                                                                                      'means '
                                                                                      'higher '
                                                                                      'priority. '
                                                                                      'Only valid '
                                                                                      'for '
                                                                                      'cluster '
                                                                                      'create, '
                                                                                      'ignored on '
                                                                                      'node add.',
                                                                       'maximum': 255,
                                                                       'minimum': 0,
                                                                       'optional': 1,
                                                                       'type': 'integer'}},
                                               'optional': 1,
                                               'type': 'string'},
                                   'nodeid': {'description': 'Node id for this node.',
                                              'minimum': 1,
                                              'optional': 1,
                                              'type': 'integer'},
                                   'token-coefficient': {'default': 125,
                                                         'description': 'Coefficient used to '
                                                                        "determine Corosync's "
                                                                        'token timeout. See the '
                                                                        'corosync.conf(5) manual '
                                                                        'for more details.',
                                                         'minimum': 0,
                                                         'optional': 1,
                                                         'type': 'integer'},
                                   'votes': {'description': 'Number of votes for this node.',
                                             'minimum': 1,
                                             'optional': 1,
                                             'type': 'integer'}}},
     'returns': {'type': 'string'}},
    ('/cluster/config/nodes', 'GET'): {'name': 'nodes',
     'description': 'Corosync node list.',
     'permissions': {'check': ['perm', '/', ['Sys.Audit']]},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'items': {'properties': {'node': {'type': 'string'}}, 'type': 'object'},
                 'links': [{'href': '{node}', 'rel': 'child'}],
                 'type': 'array'}},
    ('/cluster/config/totem', 'GET'): {'name': 'totem',
     'description': 'Get corosync totem protocol settings.',
     'permissions': {'check': ['perm', '/', ['Sys.Audit']]},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'type': 'object'}},
    ('/cluster/config/nodes/{node}', 'DELETE'): {'name': 'delnode',
     'description': 'Removes a node from the cluster configuration.',
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'}}},
     'returns': {'type': 'null'}},

    ('/cluster/config/nodes/{node}', 'POST'): {'name': 'addnode',
     'description': 'Adds a node to the cluster configuration. This call is for internal use.',
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'apiversion': {'description': 'The JOIN_API_VERSION of the new '
                                                                 'node.',
                                                  'optional': 1,
                                                  'type': 'integer'},
                                   'force': {'description': 'Do not throw error if node already '
                                                            'exists.',
                                             'optional': 1,
                                             'type': 'boolean'},
                                   'link[n]': {'description': 'Address and priority information of '
                                                              'a single corosync link. (up to 8 '
                                                              'links supported; link0..link7)',
                                               'format': {'address': {'default_key': 1,
                                                                      'description': 'Hostname (or '
                                                                                     'IP) of this '
                                                                                     'corosync '
                                                                                     'link '
                                                                                     'address.',
                                                                      'format': 'address',
                                                                      'format_description': 'IP',
                                                                      'type': 'string'},
                                                          'priority': {'default': 0,
                                                                       'description': 'The '
                                                                                      'priority '
                                                                                      'for the '
                                                                                      'link when '
                                                                                      'knet is '
                                                                                      'used in '
                                                                                      "'passive' "
                                                                                      'mode '
                                                                                      '(default). '
                                                                                      'Lower value '
                                                                                      'means '
                                                                                      'higher '
                                                                                      'priority. '
                                                                                      'Only valid '
                                                                                      'for cluster '
                                                                                      'create, '
                                                                                      'ignored on '
                                                                                      'node add.',
                                                                       'maximum': 255,
                                                                       'minimum': 0,
                                                                       'optional': 1,
                                                                       'type': 'integer'}},
                                               'optional': 1,
                                               'type': 'string'},
                                   'new_node_ip': {'description': 'IP Address of node to add. Used '
                                                                  'as fallback if no links are '
                                                                  'given.',
                                                   'format': 'ip',
                                                   'optional': 1,
                                                   'type': 'string'},
                                   'node': {'description': 'The cluster node name.',
                                            'format': 'pve-node',
                                            'type': 'string'},
                                   'nodeid': {'description': 'Node id for this node.',
                                              'minimum': 1,
                                              'optional': 1,
                                              'type': 'integer'},
                                   'votes': {'description': 'Number of votes for this node',
                                             'minimum': 0,
                                             'optional': 1,
                                             'type': 'integer'}}},
     'returns': {'properties': {'corosync_authkey': {'type': 'string'},
                                'corosync_conf': {'type': 'string'},
                                'warnings': {'items': {'type': 'string'}, 'type': 'array'}},
                 'type': 'object'}},
    ('/cluster/config/join', 'GET'): {'name': 'join_info',
     'description': 'Get information needed to join this cluster over the connected node.',
     'permissions': {'check': ['perm', '/', ['Sys.Audit']]},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'node': {'default': 'current connected node',
                                            'description': 'The node for which the joinee gets the '
                                                           'nodeinfo. ',
                                            'format': 'pve-node',
                                            'optional': 1,
                                            'type': 'string'}}},
     'returns': {'additionalProperties': 0,
                 'properties': {'config_digest': {'type': 'string'},
                                'nodelist': {'items': {'additionalProperties': 1,
                                                       'properties': {'name': {'description': 'The '
                                                                                              'cluster '
                                                                                              'node '
                                                                                              'name.',
                                                                               'format': 'pve-node',
                                                                               'type': 'string'},
                                                                      'nodeid': {'description': 'Node '
                                                                                                'id '
                                                                                                'for '
                                                                                                'this '
                                                                                                'node.',
                                                                                 'minimum': 1,
                                                                                 'optional': 1,
                                                                                 'type': 'integer'},
                                                                      'pve_addr': {'format': 'ip',
                                                                                   'type': 'string'},
                                                                      'pve_fp': {'description': 'Certificate '
                                                                                                'SHA '
                                                                                                '256 '
                                                                                                'fingerprint.',
                                                                                 'pattern': '([A-Fa-f0-9]{2}:){31}[A-Fa-f0-9]{2}',
                                                                                 'type': 'string'},
                                                                      'quorum_votes': {'minimum': 0,
                                                                                       'type': 'integer'},
                                                                      'ring0_addr': {'description': 'Address '
                                                                                                    'and '
                                                                                                    'priority '
                                                                                                    'information '
                                                                                                    'of '
                                                                                                    'a '
                                                                                                    'single '
                                                                                                    'corosync '
                                                                                                    'link. '
                                                                                                    '(up '
                                                                                                    'to '
                                                                                                    '8 '
                                                                                                    'links '
                                                                                                    'supported; '
                                                                                                    'link0..link7)',
                                                                                     'format': {'address': {'default_key': 1,
                                                                                                            'description': 'Hostname '
                                                                                                                           '(or '
                                                                                                                           'IP) '
                                                                                                                           'of '
                                                                                                                           'this '
                                                                                                                           'corosync '
                                                                                                                           'link '
                                                                                                                           'address.',
                                                                                                            'format': 'address',
                                                                                                            'format_description': 'IP',
                                                                                                            'type': 'string'},
                                                                                                'priority': {'default': 0,
                                                                                                             'description': 'The '
                                                                                                                            'priority '
                                                                                                                            'for '
                                                                                                                            'the '
                                                                                                                            'link '
                                                                                                                            'when '
                                                                                                                            'knet '
                                                                                                                            'is '
                                                                                                                            'used '
                                                                                                                            'in '
                                                                                                                            "'passive' "
                                                                                                                            'mode '
                                                                                                                            '(default). '
                                                                                                                            'Lower '
                                                                                                                            'value '
                                                                                                                            'means '
                                                                                                                            'higher '
                                                                                                                            'priority. '
                                                                                                                            'Only '
                                                                                                                            'valid '
                                                                                                                            'for '
                                                                                                                            'cluster '
                                                                                                                            'create, '
                                                                                                                            'ignored '
                                                                                                                            'on '
                                                                                                                            'node '
                                                                                                                            'add.',
                                                                                                             'maximum': 255,
                                                                                                             'minimum': 0,
                                                                                                             'optional': 1,
                                                                                                             'type': 'integer'}},
                                                                                     'optional': 1,
                                                                                     'type': 'string'}},
                                                       'type': 'object'},
                                             'type': 'array'},
                                'preferred_node': {'description': 'The cluster node name.',
                                                   'format': 'pve-node',
                                                   'type': 'string'},
                                'totem': {'type': 'object'}},
                 'type': 'object'}},
    ('/cluster/config/join', 'POST'): {'name': 'join',
     'description': ('Joins this node into an existing cluster. If no links are given, default to '
                     "IP resolved by node's hostname on single link (fallback fails for clusters "
                     'with multiple links).'),
     'protected': 1,
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0,
                    'properties': {'fingerprint': {'description': 'Certificate SHA 256 '
                                                                  'fingerprint.',
                                                   'pattern': '([A-Fa-f0-9]{2}:){31}[A-Fa-f0-9]{2}',
                                                   'type': 'string'},
                                   'force': {'description': 'Do not throw error if node already '
                                                            'exists.',
                                             'optional': 1,
                                             'type': 'boolean'},
                                   'hostname': {'description': 'Hostname (or IP) of an existing '
                                                               'cluster member.',
                                                'type': 'string'},
                                   'link[n]': {'description': 'Address and priority information of '
                                                              'a single corosync link. (up to 8 '
                                                              'links supported; link0..link7)',
                                               'format': {'address': {'default_key': 1,
                                                                      'description': 'Hostname (or '
                                                                                     'IP) of this '
                                                                                     'corosync '
                                                                                     'link '
                                                                                     'address.',
                                                                      'format': 'address',
                                                                      'format_description': 'IP',
                                                                      'type': 'string'},
                                                          'priority': {'default': 0,
                                                                       'description': 'The '
                                                                                      'priority '
                                                                                      'for the '
                                                                                      'link when '
                                                                                      'knet is '
                                                                                      'used in '
                                                                                      "'passive' "
                                                                                      'mode '
                                                                                      '(default). '
                                                                                      'Lower value '
                                                                                      'means '
                                                                                      'higher '
                                                                                      'priority. '
                                                                                      'Only valid '
                                                                                      'for cluster '
                                                                                      'create, '
                                                                                      'ignored on '
                                                                                      'node add.',
                                                                       'maximum': 255,
                                                                       'minimum': 0,
                                                                       'optional': 1,
                                                                       'type': 'integer'}},
                                               'optional': 1,
                                               'type': 'string'},
                                   'nodeid': {'description': 'Node id for this node.',
                                              'minimum': 1,
                                              'optional': 1,
                                              'type': 'integer'},
                                   'password': {'description': 'Superuser (root) password of peer '
                                                               'node.',
                                                'maxLength': 128,
                                                'type': 'string'},
                                   'votes': {'description': 'Number of votes for this node',
                                             'minimum': 0,
                                             'optional': 1,
                                             'type': 'integer'}}},
     'returns': {'type': 'string'}},
    ('/cluster/config/apiversion', 'GET'): {'name': 'join_api_version',
     'description': 'Return the version of the cluster join API available on this node.',
     'permissions': {'check': ['perm', '/', ['Sys.Audit']]},
     'allowtoken': 1,
     'parameters': {'additionalProperties': 0, 'properties': {}},
     'returns': {'description': 'Cluster Join API version, currently 1',
                 'minimum': 0,
                 'type': 'integer'}},
}
